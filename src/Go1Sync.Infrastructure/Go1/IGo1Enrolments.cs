using Go1Sync.Core.Processing;

namespace Go1Sync.Infrastructure.Go1;

/// <summary>What the sweep asks Go1 about an attempt that has seen no webhook for a while.</summary>
public interface IGo1Enrolments
{
    /// <summary>The Go1 user account id of the first user with this email (GET /users?email=), or null.</summary>
    Task<string?> FindUserIdByEmailAsync(string email, CancellationToken cancellationToken);

    /// <summary>
    /// The user's completed enrolments in one learning object (GET /enrollments?user_account_id=&amp;lo_ids=&amp;status=completed),
    /// first page of 50: a re-enrolment makes a new enrolment, so there may be several.
    /// </summary>
    Task<IReadOnlyList<Go1Enrolment>> ListCompletedEnrolmentsAsync(string userAccountId, string loId, CancellationToken cancellationToken);
}
