"""shopgen: generate and regenerate runnable microservice repositories from a YAML spec."""

__version__ = "0.3.0"

SPEC_FILE = "shopgen.yaml"
