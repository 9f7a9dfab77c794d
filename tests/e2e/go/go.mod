module unikgotest

go 1.19
