"""hugopipe: publish Hugo sites to S3 + CloudFront through Prefect, with a human approving production.

The package is the Prefect-free core; Prefect adapters live in the repository's
``tasks/``, ``flows/``, ``blocks/`` and ``deployments/`` folders.
"""

__version__ = "0.1.0"
