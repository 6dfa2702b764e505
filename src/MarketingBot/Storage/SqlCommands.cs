using System.Data.Common;

namespace MarketingBot.Storage;

/// <summary>The few helpers that let one set of SQL statements run on SQLite and PostgreSQL alike.</summary>
internal static class SqlCommands
{
    /// <summary>
    /// Adds a parameter. Flags are stored as 0/1 integers in both databases (SQLite has no boolean
    /// type, and PostgreSQL will not compare a boolean with an integer), and null becomes SQL NULL.
    /// </summary>
    public static void Set(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value switch
        {
            null => DBNull.Value,
            bool flag => flag ? 1 : 0,
            _ => value,
        };
        command.Parameters.Add(parameter);
    }

    /// <summary>Reads a 0/1 flag column, whatever integer width the database returns it in.</summary>
    public static bool GetFlag(this DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal)) != 0;

    /// <summary>Runs a query and maps each row.</summary>
    public static List<T> ReadAll<T>(this DbCommand command, Func<DbDataReader, T> row)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(row(reader));
        return rows;
    }

    public static int Execute(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }
}
