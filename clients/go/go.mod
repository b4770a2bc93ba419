module github.com/gradnoise/gradnoise/clients/go

go 1.19
