using MarketingBot.Storage;

namespace MarketingBot.Scheduling;

/// <summary>Each occurrence of a scheduled job, claimed once across restarts and replicas, with what it found and did.</summary>
public sealed class JobRuns(Database database)
{
    /// <summary>
    /// Claims one occurrence of a scheduled job: false when it already ran (or is running), here or before a restart.
    /// A run that failed may be claimed again five minutes after it finished.
    /// </summary>
    public Task<bool> TryStartJobAsync(string job, DateTimeOffset occurrence) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = $"""
            INSERT INTO job_runs (job, occurrence, started_at) VALUES (@job, @occurrence, @now)
            ON CONFLICT (job, occurrence) DO UPDATE SET started_at = @now, finished_at = NULL, outcome = NULL
                WHERE job_runs.outcome LIKE '{JobOutcome.FailedPrefix}%' AND job_runs.finished_at <= @now - 300000
            """;
        command.Set("@job", job);
        command.Set("@occurrence", occurrence.ToUnixTimeMilliseconds());
        command.Set("@now", database.Now);
        return command.ExecuteNonQuery() == 1;
    });

    public Task FinishJobAsync(string job, DateTimeOffset occurrence, string outcome) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "UPDATE job_runs SET finished_at = @now, outcome = @outcome WHERE job = @job AND occurrence = @occurrence";
        command.Set("@job", job);
        command.Set("@occurrence", occurrence.ToUnixTimeMilliseconds());
        command.Set("@now", database.Now);
        command.Set("@outcome", outcome);
        command.ExecuteNonQuery();
    });

    /// <summary>The latest runs, newest first: what each found and did.</summary>
    public Task<IReadOnlyList<JobRun>> ReadJobRunsAsync(int limit = 50) => database.UseAsync<IReadOnlyList<JobRun>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT job, occurrence, started_at, finished_at, outcome FROM job_runs ORDER BY started_at DESC, id DESC LIMIT @limit";
        command.Set("@limit", limit);
        return command.ReadAll(reader => new JobRun(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
    });
}

/// <summary>One run of a scheduled job: the occurrence it served and what it found and did.</summary>
public sealed record JobRun(string Job, DateTimeOffset Occurrence, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Outcome);
