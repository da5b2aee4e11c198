select * from reporting.wave_differences
