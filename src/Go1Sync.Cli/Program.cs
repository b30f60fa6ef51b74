using System.CommandLine;
using Go1Sync.Cli;

return await Cli.RunAsync(args, Console.Out, Console.Error);
