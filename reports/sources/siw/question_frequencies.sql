select * from reporting.question_frequencies
