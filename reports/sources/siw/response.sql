select * from reporting.response
