select * from reporting.headline_metrics
