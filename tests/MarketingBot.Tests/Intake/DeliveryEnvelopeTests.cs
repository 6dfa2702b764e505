using System.Text;
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
}
