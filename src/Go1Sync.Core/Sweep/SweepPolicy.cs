using Go1Sync.Core.Attempts;

namespace Go1Sync.Core.Sweep;

/// <summary>The sweep's settings the policy needs (settings section <c>Sweep</c>).</summary>
public sealed record SweepSettings(TimeSpan StaleAfter, TimeSpan MaxBackoff, TimeSpan GiveUpAfter);

/// <summary>What the sweep does with one due row of the open-attempt index.</summary>
public enum SweepAction
{
    /// <summary>Worth asking Go1 about; afterwards <see cref="SweepPolicy.AfterAsking"/>.</summary>
    AskGo1,
    /// <summary>The attempt had activity the row missed and is not stale yet: due again at <see cref="SweepDecision.NextCheckAt"/>, no checks.</summary>
    Defer,
    /// <summary>The row has no reason to be (attempt gone, closed, re-keyed, legacy-closed): delete it.</summary>
    Remove,
    /// <summary>The attempt has been untouched for longer than <see cref="SweepSettings.GiveUpAfter"/>: delete the row (a continue brings it back).</summary>
    GiveUp,
}

/// <param name="NextCheckAt">With <see cref="SweepAction.Defer"/>: when the row is due again.</param>
/// <param name="Checks">With <see cref="SweepAction.Defer"/>: the questions to Go1 the row counts from then on.</param>
public sealed record SweepDecision(SweepAction Action, DateTimeOffset? NextCheckAt = null, int Checks = 0)
{
    public static SweepDecision AskGo1 { get; } = new(SweepAction.AskGo1);
    public static SweepDecision Remove { get; } = new(SweepAction.Remove);
    public static SweepDecision GiveUp { get; } = new(SweepAction.GiveUp);
    public static SweepDecision DeferUntil(DateTimeOffset nextCheckAt, int checks) => new(SweepAction.Defer, nextCheckAt, checks);
}

/// <summary>
/// The sweep's policy, with no I/O: when an open attempt is stale, how long an asked one backs off,
/// when the sweep gives up. An attempt is due <c>StaleAfter</c> after its last activity; each question
/// to Go1 that finds nothing backs it off (StaleAfter, doubling, up to <c>MaxBackoff</c>) and counts
/// one check; new activity starts over (due StaleAfter after it, no checks); an attempt untouched for
/// <c>GiveUpAfter</c> leaves the index. The open-attempt index stores the outcome; the sweep does the asking.
/// </summary>
public sealed class SweepPolicy(SweepSettings settings, AttemptRules rules)
{
    public SweepSettings Settings { get; } = settings;

    /// <summary>When an attempt with no further activity is worth asking Go1 about.</summary>
    public DateTimeOffset DueAt(Attempt attempt) => attempt.LastActivityAt + Settings.StaleAfter;

    /// <summary>Doubling from StaleAfter, capped at MaxBackoff: an attempt abandoned for a month is not asked about every 5 minutes.</summary>
    public static TimeSpan Backoff(SweepSettings settings, int checks)
    {
        var factor = Math.Pow(2, Math.Min(checks - 1, 30));
        var ticks = Math.Min(settings.StaleAfter.Ticks * factor, settings.MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// What a due row deserves, given its attempt in the aggregate now.
    /// </summary>
    /// <param name="attempt">The attempt the row names, as the aggregate folds it now (null: no such attempt).</param>
    /// <param name="rowNamesAttemptAsIndexed">Whether the row is the one the index would write for that attempt now (false: its first activity moved, so the attempt has another row).</param>
    public SweepDecision Review(Attempt? attempt, bool rowNamesAttemptAsIndexed, DateTimeOffset now)
    {
        if (attempt is null || attempt.Status != AttemptStatus.Open || !rowNamesAttemptAsIndexed || rules.IsLegacyClosed(attempt, now))
            return SweepDecision.Remove;
        if (now - attempt.LastActivityAt > Settings.GiveUpAfter)
            return SweepDecision.GiveUp;
        return DueAt(attempt) > now ? SweepDecision.DeferUntil(DueAt(attempt), checks: 0) : SweepDecision.AskGo1;
    }

    /// <summary>Go1 was asked about a row that had <paramref name="checks"/> checks and had nothing new: one more check, asked again after the back-off.</summary>
    public SweepDecision AfterAsking(int checks, DateTimeOffset now)
    {
        var next = checks + 1;
        return SweepDecision.DeferUntil(now + Backoff(Settings, next), next);
    }
}
