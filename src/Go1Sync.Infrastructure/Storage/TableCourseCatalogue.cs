namespace Go1Sync.Infrastructure.Storage;

/// <summary>Course durations: one partition, RowKey the escaped course id.</summary>
public sealed class TableCourseCatalogue(TableServiceClient tables) : ICourseCatalogue
{
    public const string Partition = "course";
    private readonly TableClient _table = tables.GetTableClient(TableNames.Courses);

    public async Task<Course?> GetAsync(string courseId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, KeyEncoding.Escape(courseId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || response.Value is null) return null;
        var e = response.Value;
        return new Course(
            e.GetString("CourseId"),
            e.GetInt32("DurationMinutes") ?? throw new InvalidDataException($"Course {courseId} has no duration."),
            e.GetString("Title"),
            e.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.MinValue);
    }

    public async Task UpsertAsync(Course course, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Partition, KeyEncoding.Escape(course.CourseId))
        {
            ["CourseId"] = course.CourseId,
            ["DurationMinutes"] = course.DurationMinutes,
            ["Title"] = course.Title,
            ["UpdatedAt"] = course.UpdatedAt,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }
}
