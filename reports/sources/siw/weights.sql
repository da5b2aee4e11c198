select * from reporting.weights
