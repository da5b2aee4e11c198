select * from reporting.labels
