using System.Text;

namespace Go1Sync.Core.Learners;

/// <summary>
/// Where a (learner, course) aggregate lives. Emails may hold characters that storage keys
/// forbid (<c>/ \ # ?</c>), and must not be readable from a key, so the learner part is the
/// learner id (<see cref="LearnerIds"/>: a keyed hash of the email) and the course part is escaped.
/// </summary>
public sealed record LearnerCourseKey(string LearnerHash, string CourseKey)
{
    public static LearnerCourseKey For(LearnerIds ids, string email, string courseId) =>
        ForId(ids.Id(email), courseId);

    /// <summary>The key of a learner already named by id (not by email: that is <see cref="For"/>).</summary>
    public static LearnerCourseKey ForId(string learnerId, string courseId) =>
        new(learnerId, KeyEncoding.Escape(courseId));
}

/// <summary>Percent-escapes the characters Table Storage keys may not hold, reversibly.</summary>
public static class KeyEncoding
{
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is '%' or '/' or '\\' or '#' or '?' or '\'' || Rune.IsControl(rune))
            {
                var n = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < n; i++) sb.Append('%').Append(utf8[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }
        return sb.ToString();
    }

    public static string Unescape(string value) => Uri.UnescapeDataString(value);
}
