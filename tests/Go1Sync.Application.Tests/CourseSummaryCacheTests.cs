using System.Runtime.CompilerServices;
using Go1Sync.Core.Attempts;
using Go1Sync.Core.Learners;
using Go1Sync.Core.Processing;
using Go1Sync.Core.Reporting;
using Microsoft.Extensions.Time.Testing;

namespace Go1Sync.Application.Tests;

/// <summary>The read API's course summary: computed from every attempt, served for at most Summary__MaxAge, one computation per course at a time.</summary>
public sealed class CourseSummaryCacheTests
{
    private readonly FakeTimeProvider _time = new(Harness.Now);
    private readonly CountingStatsReader _reader = new();

    private CourseSummaries Summaries(TimeSpan maxAge) => new(
        new CourseStatistics(_reader, new InMemoryAttemptStore(), new AttemptRules(Cutovers.Default), LearnerIds.Development),
        maxAge,
        _time);

    [Fact]
    public async Task Summary_WithinMaxAge_ReadsTheCourseOnce()
    {
        var summaries = Summaries(TimeSpan.FromMinutes(1));
        _reader.Attempts = 3;
        var first = await summaries.GetAsync("course-a", CancellationToken.None);
        _reader.Attempts = 5;
        _time.Advance(TimeSpan.FromSeconds(59));
        var second = await summaries.GetAsync("course-a", CancellationToken.None);

        Assert.Equal(1, _reader.Reads);
        Assert.Equal(3, second.Attempts);
        Assert.Same(first, second);
        Assert.Equal(TimeSpan.FromSeconds(1), summaries.FreshFor(second, _time.GetUtcNow()));
    }

    [Fact]
    public async Task Summary_AfterMaxAge_ReadsTheCourseAgain()
    {
        var summaries = Summaries(TimeSpan.FromMinutes(1));
        _reader.Attempts = 3;
        await summaries.GetAsync("course-a", CancellationToken.None);
        _reader.Attempts = 5;
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = await summaries.GetAsync("course-a", CancellationToken.None);

        Assert.Equal(2, _reader.Reads);
        Assert.Equal(5, second.Attempts);
        Assert.Equal(Instants.Format(_time.GetUtcNow()), second.ComputedAt);
    }

    [Fact]
    public async Task Summary_OtherCourse_IsComputedOnItsOwn()
    {
        var summaries = Summaries(TimeSpan.FromMinutes(1));
        await summaries.GetAsync("course-a", CancellationToken.None);
        var other = await summaries.GetAsync("course-b", CancellationToken.None);

        Assert.Equal(2, _reader.Reads);
        Assert.Equal("course-b", other.CourseId);
    }

    [Fact]
    public async Task Summary_ConcurrentRequests_ComputeOnce()
    {
        var summaries = Summaries(TimeSpan.FromMinutes(1));
        _reader.Gate = new TaskCompletionSource();
        var waiting = Enumerable.Range(0, 8).Select(_ => summaries.GetAsync("course-a", CancellationToken.None)).ToList();
        _reader.Gate.SetResult();
        var answers = await Task.WhenAll(waiting);

        Assert.Equal(1, _reader.Reads);
        Assert.All(answers, a => Assert.Same(answers[0], a));
    }

    [Fact]
    public async Task Summary_CallerCancels_OthersStillGetTheSharedComputation()
    {
        var summaries = Summaries(TimeSpan.FromMinutes(1));
        _reader.Gate = new TaskCompletionSource();
        using var cancelled = new CancellationTokenSource();
        var leaving = summaries.GetAsync("course-a", cancelled.Token);
        var staying = summaries.GetAsync("course-a", CancellationToken.None);
        await cancelled.CancelAsync();
        _reader.Gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        Assert.Equal(2, (await staying).Attempts);
        Assert.Equal(1, _reader.Reads);
    }

    [Fact]
    public async Task Summary_FailedComputation_IsNotServedAgain()
    {
        var summaries = Summaries(TimeSpan.FromMinutes(1));
        _reader.Failure = new InvalidOperationException("storage down");
        await Assert.ThrowsAsync<InvalidOperationException>(() => summaries.GetAsync("course-a", CancellationToken.None));
        _reader.Failure = null;
        var summary = await summaries.GetAsync("course-a", CancellationToken.None);

        Assert.Equal(2, _reader.Reads);
        Assert.Equal(2, summary.Attempts);
    }

    [Fact]
    public async Task Summary_MaxAgeZero_ReadsTheCourseEveryTime()
    {
        var summaries = Summaries(TimeSpan.Zero);
        var first = await summaries.GetAsync("course-a", CancellationToken.None);
        await summaries.GetAsync("course-a", CancellationToken.None);

        Assert.Equal(2, _reader.Reads);
        Assert.Equal(TimeSpan.Zero, summaries.FreshFor(first, _time.GetUtcNow()));
    }

    [Fact]
    public async Task Summary_ManyCourses_ExpiredEntriesAreTrimmed()
    {
        var summaries = Summaries(TimeSpan.FromMinutes(1));
        for (var i = 0; i <= CourseSummaries.TrimAbove; i++)
            await summaries.GetAsync($"course-{i}", CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(2));
        await summaries.GetAsync("course-new", CancellationToken.None);
        _reader.ResetReads();
        await summaries.GetAsync("course-new", CancellationToken.None);
        await summaries.GetAsync("course-0", CancellationToken.None);

        Assert.Equal(1, _reader.Reads);
        Assert.Equal(2, summaries.CachedCourses);
    }

    /// <summary>A course of <see cref="Attempts"/> attempts of distinct learners; counts the reads of the course.</summary>
    private sealed class CountingStatsReader : IAttemptStatsReader
    {
        public int Attempts { get; set; } = 2;
        private int _reads;
        public int Reads => Volatile.Read(ref _reads);
        public void ResetReads() => Volatile.Write(ref _reads, 0);
        public TaskCompletionSource? Gate { get; set; }
        public Exception? Failure { get; set; }

        public async IAsyncEnumerable<Attempt> ReadCourseAsync(string courseId, AttemptRange range, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _reads);
            if (Gate is not null) await Gate.Task.WaitAsync(cancellationToken);
            if (Failure is not null) throw Failure;
            for (var i = 0; i < Attempts; i++)
                yield return new Attempt
                {
                    AttemptId = $"a{i}",
                    Email = $"learner{i}@example.com",
                    CourseId = courseId,
                    Origin = AttemptOrigin.LmsLaunch,
                    Platform = Platform.Web,
                    FirstActivityAt = Harness.Now,
                    LastActivityAt = Harness.Now,
                    Progress = 50,
                };
        }

        public Task<AttemptPage> ReadPageAsync(string courseId, AttemptRange range, string? continuation, int pageSize, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The summary reads the whole course, never a page.");
    }
}
