using Go1Sync.Core.Outbound;

namespace Go1Sync.Core.Tests;

public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset FailedAt = DateTimeOffset.Parse("2025-03-10T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Delays_Standard_AreTheStandardWebhooksSuggestedSchedule()
    {
        Assert.Equal(
            [TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
             TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromHours(24)],
            RetrySchedule.Delays);
        Assert.Equal(10, new RetrySchedule().MaxAttempts);
    }

    [Fact]
    public void Next_AfterTheLastDelay_IsNullSoTheChangeIsParked()
    {
        var schedule = new RetrySchedule();

        Assert.NotNull(schedule.Next(9, FailedAt, null));
        Assert.Null(schedule.Next(10, FailedAt, null));
        Assert.Null(schedule.Next(10, FailedAt, TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(0.0, 0.9)]
    [InlineData(1.0, 1.1)]
    public void Next_ExtremeJitterDraws_StayWithinTenPercentOfTheDelay(double draw, double factor)
    {
        var schedule = new RetrySchedule(new FixedRandom(draw));

        for (var failures = 1; failures <= RetrySchedule.Delays.Count; failures++)
            Assert.Equal(FailedAt + TimeSpan.FromTicks((long)(RetrySchedule.Delays[failures - 1].Ticks * factor)), schedule.Next(failures, FailedAt, null));
    }

    [Theory]
    [InlineData(30, 30)]
    [InlineData(-5, 0)]
    [InlineData(200_000, 86_400)]
    public void Next_WithRetryAfter_IsThatDelayWithoutJitterCappedAtADay(int askedSeconds, int expectedSeconds)
    {
        var schedule = new RetrySchedule(new FixedRandom(1.0));

        Assert.Equal(FailedAt.AddSeconds(expectedSeconds), schedule.Next(3, FailedAt, TimeSpan.FromSeconds(askedSeconds)));
    }

    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
        protected override double Sample() => value;
    }
}
