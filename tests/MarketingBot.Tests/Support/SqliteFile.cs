using Microsoft.Data.Sqlite;

namespace MarketingBot.Tests.Support;

/// <summary>Looks into a service process's SQLite file from outside, read-only, as an operator would.</summary>
public static class SqliteFile
{
    public static long Count(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
