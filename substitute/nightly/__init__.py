"""The nightly runs: database in, models out, results activated atomically.

``forecast`` reads demand and stock positions, runs the forecasting core over
batches of series (locally on every core, or on Dask), writes the results
under a new run id and switches readers to it in one transaction only when
every active series has a forecast. A run that fails or is killed leaves the
previous run in service; the next run cleans up what it left.
"""
