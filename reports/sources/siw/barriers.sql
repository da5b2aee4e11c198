select * from reporting.barriers
