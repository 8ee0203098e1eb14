"""shopgen: generate and regenerate runnable microservice repositories from a YAML spec."""

__version__ = "0.1.0"
