select * from reporting.interviews
