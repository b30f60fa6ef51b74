namespace Go1Sync.Infrastructure.Go1;

/// <summary>One page of Go1's enrolment list: the window's <c>total</c> (as Go1 counts it) and its hits.</summary>
public sealed record Go1EnrolmentPage(int Total, IReadOnlyList<Go1Enrolment> Hits);

/// <summary>What the sweep and the reconciliation ask Go1 about enrolments and users.</summary>
public interface IGo1Enrolments
{
    /// <summary>The Go1 user account id of the first user with this email (GET /users?email=), or null.</summary>
    Task<string?> FindUserIdByEmailAsync(string email, CancellationToken cancellationToken);

    /// <summary>
    /// The user's completed enrolments in one learning object (GET /enrollments?user_account_id=&amp;lo_ids=&amp;status=completed),
    /// first page of 50: a re-enrolment makes a new enrolment, so there may be several.
    /// </summary>
    Task<IReadOnlyList<Go1Enrolment>> ListCompletedEnrolmentsAsync(string userAccountId, string loId, CancellationToken cancellationToken);

    /// <summary>
    /// Completed enrolments whose <c>updated_time</c> lies in [<paramref name="from"/>, <paramref name="to"/>] (both inclusive),
    /// oldest change first: GET /enrollments?status=completed&amp;update_time_gte=&amp;update_time_lte=&amp;sort=updated_time&amp;order=asc&amp;limit=&amp;offset=.
    /// Go1 refuses offset + limit over <see cref="Go1ApiClient.MaxListDepth"/>.
    /// </summary>
    Task<Go1EnrolmentPage> ListCompletedChangedAsync(DateTimeOffset from, DateTimeOffset to, int offset, int limit, CancellationToken cancellationToken);
}
