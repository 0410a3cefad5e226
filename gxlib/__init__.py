"""gxlib: Chinese government information-disclosure annual reports as tidy polars frames."""
