select * from reporting.innovation_types
