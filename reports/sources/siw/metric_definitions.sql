select * from reporting.metric_definitions
