package printing

import "context"

// systemPrinters returns no queues on Windows for now: the spooler's list
// (EnumPrinters) is not read yet, so a Windows desk prints to the default
// printer and 设置 offers only that.
func systemPrinters(ctx context.Context) ([]string, error) { return nil, nil }
