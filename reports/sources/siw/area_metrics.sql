select * from reporting.area_metrics
