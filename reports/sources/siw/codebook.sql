select * from reporting.codebook
