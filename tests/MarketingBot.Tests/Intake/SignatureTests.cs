using System.Text;
using MarketingBot.Intake;

namespace MarketingBot.Tests.Intake;

public class SignatureTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("Hello, World!");

    [Fact]
    public void GitHubs_documented_test_vector_verifies()
    {
        // docs.github.com, "Validating webhook deliveries": secret, payload and expected signature.
        const string expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        Assert.Null(WebhookIntake.Verify(expected, ["It's a Secret to Everybody"], Body));
    }

    [Theory]
    [InlineData("", "not signed")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18", "does not match")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d", "malformed")]
    [InlineData("sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17", "malformed")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1", "malformed")]
    [InlineData("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "malformed")]
    public void Bad_missing_and_malformed_signatures_are_refused_with_the_reason(string header, string reason)
    {
        var verdict = WebhookIntake.Verify(header, ["It's a Secret to Everybody"], Body);
        Assert.NotNull(verdict);
        Assert.Contains(reason, verdict);
    }

    [Fact]
    public void During_rotation_either_secret_verifies_and_a_third_does_not()
    {
        var oldSignature = Tests.Support.Signing.Sign("old", Body);
        Assert.Null(WebhookIntake.Verify(oldSignature, ["new", "old"], Body));
        Assert.NotNull(WebhookIntake.Verify(oldSignature, ["new"], Body));
        Assert.NotNull(WebhookIntake.Verify(Tests.Support.Signing.Sign("other", Body), ["new", "old"], Body));
    }

    [Fact]
    public void A_signature_of_a_changed_body_does_not_verify()
    {
        var signature = Tests.Support.Signing.Sign("s", Body);
        Assert.NotNull(WebhookIntake.Verify(signature, ["s"], Encoding.UTF8.GetBytes("Hello, World?")));
    }
}
