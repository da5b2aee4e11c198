select * from reporting.refresh
