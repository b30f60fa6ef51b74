namespace Go1Sync.Cli;

/// <summary>What <c>go1sync</c> exits with (README, CLI).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Usage errors (the parser's too) and bad input: an unknown option value, a bad line in a replayed file.</summary>
    public const int BadInput = 1;
    /// <summary>What was asked for does not exist: an unknown course or message id.</summary>
    public const int NotFound = 2;
    /// <summary>A setting is invalid, or the storage it names is malformed, unreachable or refuses us.</summary>
    public const int Settings = 3;
    /// <summary>A failure the CLI does not know how to explain: a bug, reported with its stack trace.</summary>
    public const int Internal = 4;
    /// <summary>The work failed part way (Go1 answered errors, messages went to poison, a row the learner-id migration cannot move); nothing is lost and running it again is safe.</summary>
    public const int Failed = 5;
    /// <summary>Another run holds the reconciliation lease; try again later.</summary>
    public const int Busy = 6;
}
