select * from reporting.interviews_by_sector
