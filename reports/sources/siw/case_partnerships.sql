select * from reporting.case_partnerships
