"""The staff dashboard: figures read from the database and the chart drawn from them."""
