select * from reporting.enablers
