// Tests run quietly unless HAVEN_LOG_LEVEL asks otherwise; a failing test prints what it needs.
process.env.HAVEN_LOG_LEVEL ??= 'silent';
