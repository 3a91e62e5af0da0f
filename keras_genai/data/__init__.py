"""Where data comes from: the embedded digits, tfds datasets, synthetic sets
(truth tables, Gaussian mixtures, lines drawn from known factors, sequence
tasks, dates to translate), the prose of Python's
reference manual, `tf.data` pipelines and
augmentation."""

from keras_genai.data.augmentation import augmentation
from keras_genai.data.augmentation import KERNELS
from keras_genai.data.augmentation import cutmix
from keras_genai.data.augmentation import filter_images
from keras_genai.data.augmentation import mixup
from keras_genai.data.captions import caption_vocabulary
from keras_genai.data.captions import caption_words
from keras_genai.data.captions import decode_captions
from keras_genai.data.captions import digit_attributes
from keras_genai.data.captions import digit_captions
from keras_genai.data.captions import encode_captions
from keras_genai.data.captions import measure_digits
from keras_genai.data.dates import date_pairs
from keras_genai.data.digits import load_digits
from keras_genai.data.image_sets import ImageSet
from keras_genai.data.image_sets import load_images
from keras_genai.data.pipeline import image_dataset
from keras_genai.data.sequences import ANOMALY_KINDS
from keras_genai.data.sequences import adding_problem
from keras_genai.data.sequences import causal_ceiling
from keras_genai.data.sequences import echo_sequences
from keras_genai.data.sequences import future_context
from keras_genai.data.sequences import sine_anomalies
from keras_genai.data.sequences import sine_waves
from keras_genai.data.synthetic import LINE_FACTORS
from keras_genai.data.synthetic import gaussian_mixture
from keras_genai.data.synthetic import lines
from keras_genai.data.synthetic import xnor
from keras_genai.data.synthetic import xor
from keras_genai.data.text import encode_text
from keras_genai.data.text import TOPIC_CLASSES
from keras_genai.data.text import text_corpus
from keras_genai.data.text import topic_sentences
from keras_genai.data.text import text_windows
from keras_genai.data.tfds_loader import DatasetUnavailableError
from keras_genai.data.tfds_loader import load
from keras_genai.data.translation import DIGIT_COLOURS
from keras_genai.data.translation import downsample
from keras_genai.data.translation import edge_map
from keras_genai.data.translation import ink_colour_labels
from keras_genai.data.translation import occlude
from keras_genai.data.translation import thicken
from keras_genai.data.translation import tint

__all__ = [
    "ImageSet",
    "ANOMALY_KINDS",
    "DatasetUnavailableError",
    "DIGIT_COLOURS",
    "TOPIC_CLASSES",
    "KERNELS",
    "LINE_FACTORS",
    "adding_problem",
    "augmentation",
    "caption_vocabulary",
    "caption_words",
    "causal_ceiling",
    "cutmix",
    "date_pairs",
    "decode_captions",
    "digit_attributes",
    "digit_captions",
    "downsample",
    "echo_sequences",
    "edge_map",
    "encode_captions",
    "encode_text",
    "filter_images",
    "future_context",
    "gaussian_mixture",
    "image_dataset",
    "ink_colour_labels",
    "lines",
    "load",
    "load_digits",
    "load_images",
    "measure_digits",
    "mixup",
    "occlude",
    "sine_anomalies",
    "sine_waves",
    "text_corpus",
    "topic_sentences",
    "text_windows",
    "thicken",
    "tint",
    "xnor",
    "xor",
]
