using System.Text.Json;

namespace MarketingBot.Intake;

/// <summary>
/// The few facts the inbox needs from a payload, read in one forward pass that also proves the
/// body is well-formed JSON: the action, the installation, and which issue the event is about
/// (its node id), so that events of one issue can be applied in order.
/// </summary>
public readonly record struct DeliveryEnvelope(string? Action, long? InstallationId, string? IssueNodeId)
{
    private const int MaxDepth = 128;

    /// <summary>Returns null with a reason when the body is not a JSON object.</summary>
    public static DeliveryEnvelope? Read(ReadOnlySpan<byte> body, out string? problem)
    {
        problem = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "the payload is not a JSON object";
                return null;
            }
            string? action = null, issueNodeId = null;
            long? installationId = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader;
                reader.Read();
                if (name.ValueTextEquals("action"u8) && reader.TokenType == JsonTokenType.String)
                    action = reader.GetString();
                else if (name.ValueTextEquals("installation"u8) && reader.TokenType == JsonTokenType.StartObject)
                    installationId = ReadNumber(ref reader, "id"u8);
                else if ((name.ValueTextEquals("issue"u8) || name.ValueTextEquals("pull_request"u8)) && reader.TokenType == JsonTokenType.StartObject)
                    issueNodeId ??= ReadString(ref reader, "node_id"u8);
                else if (name.ValueTextEquals("projects_v2_item"u8) && reader.TokenType == JsonTokenType.StartObject)
                    issueNodeId ??= ReadString(ref reader, "content_node_id"u8);
                else
                    reader.Skip();
            }
            // One more read proves nothing follows the object: the reader throws on trailing content.
            reader.Read();
            return new DeliveryEnvelope(action, installationId, issueNodeId);
        }
        catch (JsonException ex)
        {
            problem = $"the payload is not valid JSON ({ex.Message})";
            return null;
        }
    }

    /// <summary>Reads an object to its end, keeping a copy of the reader positioned on one member's value.</summary>
    private static bool TryFindMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> property, out Utf8JsonReader value)
    {
        value = default;
        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = !found && reader.ValueTextEquals(property);
            reader.Read();
            if (match)
            {
                value = reader;
                found = true;
            }
            reader.Skip();
        }
        return found;
    }

    private static long? ReadNumber(ref Utf8JsonReader reader, ReadOnlySpan<byte> property) =>
        TryFindMember(ref reader, property, out var value) && value.TokenType == JsonTokenType.Number && value.TryGetInt64(out var number)
            ? number : null;

    private static string? ReadString(ref Utf8JsonReader reader, ReadOnlySpan<byte> property) =>
        TryFindMember(ref reader, property, out var value) && value.TokenType == JsonTokenType.String ? value.GetString() : null;
}
