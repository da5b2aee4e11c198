select * from reporting.disclosure_control
