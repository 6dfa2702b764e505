using System.Xml.Linq;
using MarketingBot.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace MarketingBot.Dashboard;

/// <summary>
/// The keys that sign the dashboard's cookies and forms (ASP.NET Core Data Protection), kept in the bot's database
/// beside the deliveries. Every replica on one PostgreSQL database then reads a sign-in made on another, and a
/// restart (or a container with a read-only file system) does not sign everyone out. Whoever can read the database
/// can already do all the bot can, so the keys are stored as Data Protection writes them.
/// </summary>
public sealed class SignInKeys(Database database) : IXmlRepository
{
    // Data Protection asks synchronously, and rarely: at the first use, then when its key ring is refreshed (daily).
    public IReadOnlyCollection<XElement> GetAllElements() => database.UseAsync<IReadOnlyCollection<XElement>>(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT xml FROM sign_in_keys ORDER BY created_at, name";
        return command.ReadAll(reader => XElement.Parse(reader.GetString(0)));
    }).GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) => database.UseAsync(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "INSERT INTO sign_in_keys (name, xml, created_at) VALUES (@name, @xml, @now) ON CONFLICT (name) DO NOTHING";
        command.Set("@name", friendlyName);
        command.Set("@xml", element.ToString(SaveOptions.DisableFormatting));
        command.Set("@now", database.Now);
        command.ExecuteNonQuery();
    }).GetAwaiter().GetResult();
}
