"""gridcarbon: extract grid and household electricity data and attribute CO2 to consumption.

Plain, typed Python that the thin DAG files in ``dags/`` call. Nothing here needs a running Airflow;
modules that talk to Airflow import it lazily.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
