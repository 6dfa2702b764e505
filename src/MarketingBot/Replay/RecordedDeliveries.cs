using System.Text;
using System.Text.Json;

namespace MarketingBot.Replay;

/// <summary>A delivery read from disk for replay.</summary>
public sealed record RecordedDelivery(string Source, string Event, string Guid, byte[] Body);

/// <summary>
/// Reads recorded deliveries in either layout: GitHub's payload examples
/// (<c>&lt;event&gt;/&lt;action&gt;.payload.json</c>, the event being the folder's name) or a
/// JSON object <c>{"event", "delivery", "payload"}</c>.
/// </summary>
public static class RecordedDeliveries
{
    public static IReadOnlyList<RecordedDelivery> Load(string path, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        if (File.Exists(path)) found.Add(Path.GetFullPath(path));
        else if (Directory.Exists(path)) found.AddRange(Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        else
        {
            problems = [$"{path}: no such file or folder"];
            return [];
        }

        var deliveries = new List<RecordedDelivery>();
        var errors = new List<string>();
        foreach (var file in found)
        {
            try
            {
                deliveries.Add(Read(file));
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or IOException)
            {
                errors.Add($"{file}: {ex.Message}");
            }
        }
        problems = errors;
        return deliveries;
    }

    private static RecordedDelivery Read(string file)
    {
        var bytes = File.ReadAllBytes(file);
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("not a JSON object");
        if (root.TryGetProperty("event", out var evt) && root.TryGetProperty("payload", out var payload))
        {
            var guid = root.TryGetProperty("delivery", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : GuidFor(file);
            return new RecordedDelivery(file, evt.GetString() ?? throw new InvalidDataException("\"event\" is not a string"), guid,
                Encoding.UTF8.GetBytes(payload.GetRawText()));
        }
        var eventName = Path.GetFileName(Path.GetDirectoryName(file))
            ?? throw new InvalidDataException("the event is named by the folder, as in <event>/<action>.payload.json");
        return new RecordedDelivery(file, eventName, GuidFor(file), bytes);
    }

    /// <summary>A stable delivery id per file, so replaying one folder twice reads the same.</summary>
    private static string GuidFor(string file) =>
        new Guid(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(file))).ToString();
}
