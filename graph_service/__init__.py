"""Graph analytics for cross-region joint punishment under 国办发〔2019〕35号."""

__version__ = "0.1.0"
