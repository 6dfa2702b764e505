using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using MarketingBot.Intake;
using MarketingBot.Tests.Support;

namespace MarketingBot.Tests.Intake;

public class DeliveryEnvelopeTests
{
    [Fact]
    public void Reads_action_installation_and_issue_of_an_issues_event()
    {
        var envelope = DeliveryEnvelope.Read(Payloads.IssueEvent("edited", 5, "I_node5", installationId: 77), out var problem);
        Assert.Null(problem);
        Assert.Equal(new DeliveryEnvelope("edited", 77, "I_node5"), envelope);
    }

    [Fact]
    public void A_project_item_is_ordered_with_the_issue_it_holds()
    {
        var body = """{"action":"edited","projects_v2_item":{"id":1,"node_id":"PVTI_1","content_node_id":"I_node5"},"installation":{"id":3}}""";
        Assert.Equal(new DeliveryEnvelope("edited", 3, "I_node5"), DeliveryEnvelope.Read(Encoding.UTF8.GetBytes(body), out _));
    }

    [Fact]
    public void Nested_objects_named_like_top_level_ones_are_not_mistaken_for_them()
    {
        var body = """{"zen":"x","hook":{"action":"nope","installation":{"id":9},"issue":{"node_id":"bad"}},"action":"created"}""";
        Assert.Equal(new DeliveryEnvelope("created", null, null), DeliveryEnvelope.Read(Encoding.UTF8.GetBytes(body), out _));
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"action\":\"opened\"", "not valid JSON")]
    [InlineData("{\"action\":\"opened\"} {}", "not valid JSON")]
    [InlineData("{\"a\":tru}", "not valid JSON")]
    public void Malformed_bodies_are_refused_with_a_reason(string body, string reason)
    {
        Assert.Null(DeliveryEnvelope.Read(Encoding.UTF8.GetBytes(body), out var problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Absurdly_deep_nesting_is_refused_not_overflowed()
    {
        var body = "{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}";
        Assert.Null(DeliveryEnvelope.Read(Encoding.UTF8.GetBytes(body), out var problem));
        Assert.Contains("not valid JSON", problem);
    }

    [Theory]
    [InlineData("""{"a":[1,]}""", false)]
    [InlineData("""{"a":1,}""", false)]
    [InlineData("""{,}""", false)]
    [InlineData("""{"a":[,1]}""", false)]
    [InlineData("""{"a":[1 2]}""", false)]
    [InlineData("""{"a" 1}""", false)]
    [InlineData("""{"a":}""", false)]
    [InlineData("""{"a":01}""", false)]
    [InlineData("""{"a":1.}""", false)]
    [InlineData("""{"a":.5}""", false)]
    [InlineData("""{"a":-}""", false)]
    [InlineData("""{"a":+1}""", false)]
    [InlineData("""{"a":1e}""", false)]
    [InlineData("""{"a":1.5.3}""", false)]
    [InlineData("""{"a":truex}""", false)]
    [InlineData("""{"a":nul}""", false)]
    [InlineData("""{"a":NaN}""", false)]
    [InlineData("""{"a":"\x"}""", false)]
    [InlineData("""{"a":"\u12g4"}""", false)]
    [InlineData("{\"a\":\"tab\there\"}", false)]
    [InlineData("""{'a':1}""", false)]
    [InlineData("""{/* note */}""", false)]
    [InlineData("\uFEFF{}", false)]
    [InlineData("""{}x""", false)]
    [InlineData("""{"a":[]}""", true)]
    [InlineData(""" { "a" : [ 1 , -0.5e+3 , true , null , { } ] } """, true)]
    [InlineData("""{"a":"\uD83D\uDE00 \/ \b\f\n\r\t"}""", true)]
    [InlineData("""{"a":0,"b":-0,"c":1E2,"d":12.50}""", true)]
    public void Edge_cases_are_judged_as_the_json_reader_judges_them(string body, bool valid) =>
        AssertBothJudge(Encoding.UTF8.GetBytes(body), valid);

    [Theory]
    [InlineData(DeliveryEnvelope.MaxDepth, true)]
    [InlineData(DeliveryEnvelope.MaxDepth + 1, false)]
    public void Nesting_is_allowed_exactly_as_deep_as_the_json_reader_allows(int depth, bool allowed) =>
        AssertBothJudge(Encoding.UTF8.GetBytes("{\"a\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}"), allowed);

    /// <summary>The expected verdict is the reader's, and the envelope's pass reaches the same.</summary>
    private static void AssertBothJudge(byte[] body, bool valid)
    {
        Assert.Equal(valid, ReaderAccepts(body));
        Assert.Equal(valid, DeliveryEnvelope.Read(body, out _) is not null);
    }

    [Theory]
    [InlineData("{\"action\":\"op\\u0065ned\",\"\\u0069nstallation\":{\"id\":12}}", "opened", 12L)]
    [InlineData("{\"action\":\"a\\r\\n\\\"b\\\\\",\"installation\":{\"id\":1.5}}", "a\r\n\"b\\", null)]
    [InlineData("{\"action\":7,\"installation\":{\"id\":\"12\"}}", null, null)]
    public void Escaped_names_and_values_read_as_the_reader_decodes_them(string body, string? action, long? installationId)
    {
        var envelope = DeliveryEnvelope.Read(Encoding.UTF8.GetBytes(body), out var problem);
        Assert.Null(problem);
        Assert.Equal(new DeliveryEnvelope(action, installationId, null), envelope);
    }

    [Fact]
    public void A_broken_utf8_action_is_no_action_rather_than_a_crash()
    {
        byte[] body = [.. "{\"action\":\""u8, 0xC3, .. "\"}"u8];
        Assert.Equal(new DeliveryEnvelope(null, null, null), DeliveryEnvelope.Read(body, out _));
    }

    /// <summary>JSON values of every kind, with strings that need escapes and numbers in every notation.</summary>
    private static readonly Gen<string> Scalar = Gen.OneOf(
        Gen.String[Gen.Char["ab\"\\/\n\r\t\u0001é😀 "], 0, 40].Select(text => JsonSerializer.Serialize(text)),
        Gen.OneOf<string>("a", " ", @"\n", @"\""", @"\\", @"\/", @"\b", @"\u00e9", @"\uD83D\uDE00").Array[0, 12].Select(parts => $"\"{string.Concat(parts)}\""),
        Gen.Select(Gen.Int, Gen.Int[0, 999], Gen.Int[-20, 20]).Select((whole, fraction, exponent) => $"{whole}.{fraction}e{exponent}"),
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.OneOf<string>("0", "-0", "1E+2", "true", "false", "null"));

    private static Gen<string> Value(int depth) => depth == 0 ? Scalar : Gen.OneOf(
        Scalar,
        Gen.Select(Gen.String[Gen.Char["abc_"], 1, 8], Value(depth - 1)).Array[0, 5]
            .Select(members => "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}"),
        Value(depth - 1).Array[0, 5].Select(items => " [ " + string.Join(" ,\n", items) + "]"));

    /// <summary>A payload-like object: the envelope's members, among other members, in any order.</summary>
    private static readonly Gen<(string Json, long Installation)> Payload =
        Gen.Select(Scalar, Gen.Long, Scalar, Value(3).Array[0, 4]).SelectMany((action, installation, node, others) =>
            Gen.Shuffle(new[]
                {
                    $"\"action\":{action}",
                    $"\"installation\":{{\"account\":{{\"id\":1}},\"id\":{installation}}}",
                    $"\"issue\":{{\"pull_request\":{{\"node_id\":\"no\"}},\"node_id\":{node}}}",
                }.Concat(others.Select((value, i) => $"\"other{i}\":{value}")).ToArray())
                .Select(members => ("{" + string.Join(",", members) + "}", installation)));

    [Fact]
    public void Generated_payloads_read_into_the_values_they_hold() =>
        Payload.Sample(payload =>
        {
            var body = Encoding.UTF8.GetBytes(payload.Json);
            var expected = JsonNode.Parse(body)!;
            var envelope = DeliveryEnvelope.Read(body, out var problem);
            Assert.Null(problem);
            Assert.Equal(expected["action"] is JsonValue a && a.TryGetValue<string>(out var action) ? action : null, envelope!.Value.Action);
            Assert.Equal(payload.Installation, envelope.Value.InstallationId);
            Assert.Equal(expected["issue"]!["node_id"] is JsonValue n && n.TryGetValue<string>(out var node) ? node : null, envelope.Value.IssueNodeId);
        }, iter: 2000);

    /// <summary>Bytes JSON is built from, and a few that break it.</summary>
    private static readonly Gen<byte> JsonByte = Gen.OneOf(Gen.Byte, Gen.Byte[0, 127].Where(b => "{}[]\",:\\ntfrlseu0123456789-+.eE \t\r\n/aA"u8.Contains(b)));

    [Fact]
    public void Damaged_payloads_are_refused_exactly_when_the_json_reader_refuses_them() =>
        Gen.Select(Payload, Gen.Select(Gen.Int[0, 2], Gen.Double[0, 1], JsonByte).Array[1, 4]).Sample((payload, damage) =>
        {
            var body = Encoding.UTF8.GetBytes(payload.Json).ToList();
            foreach (var (kind, where, b) in damage)
            {
                var at = (int)(where * (body.Count - 1));
                if (kind == 0) body[at] = b;
                else if (kind == 1) body.Insert(at, b);
                else if (body.Count > 1) body.RemoveAt(at);
            }
            var damaged = body.ToArray();
            var envelope = DeliveryEnvelope.Read(damaged, out var problem);
            Assert.Equal(ReaderAccepts(damaged), envelope is not null);
            Assert.Equal(envelope is null, problem is not null);
        }, iter: 20_000);

    /// <summary>The verdict of System.Text.Json's own reader, which the envelope's pass must match: one JSON object, nothing after it.</summary>
    private static bool ReaderAccepts(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = DeliveryEnvelope.MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
