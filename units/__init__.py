"""The course labs, one module per syllabus unit: ``python -m units.<unit>``."""
