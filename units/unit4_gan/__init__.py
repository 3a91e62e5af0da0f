"""The exercises of the Unit IV lab (`units/unit4_gan.py`), by theme:

* `judge`: how generated digits are measured (classifier, FID/KID and floors).
* `digits`: GANs on the digits (vanilla, conditional, WGAN-GP, the loss families,
  latent interpolation, cGAN data augmentation).
* `style`: the style-based generator (StyleGAN) against the DCGAN.
* `toy`: 2-D and classical experiments (mode collapse on the 8-Gaussian ring,
  generative vs discriminative classifiers).
* `translation`: image-conditioned GANs (pix2pix, CycleGAN, SRGAN, LAPGAN).

Each module's exercises are ``@exercise`` functions; `units.unit4_gan` includes
the modules in its `Lab`.
"""
