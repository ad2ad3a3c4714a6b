"""The package version: a leaf module, so that modules inside the package never import the root."""

__version__ = "0.1.0"
