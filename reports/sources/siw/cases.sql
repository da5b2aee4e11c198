select * from reporting.cases
