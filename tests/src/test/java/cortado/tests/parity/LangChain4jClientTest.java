package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.data.tokenizer.Tokenizers;
import cortado.nn.embed.SentenceTransformer;
import cortado.nn.io.HfCheckpoint;
import cortado.serve.OpenAiServer;
import cortado.serve.ServedModel;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j's {@code OpenAiChatModel}, {@code OpenAiStreamingChatModel} and {@code OpenAiEmbeddingModel} (1.19.0, a
 * test-scope dependency) against Cortado's server on loopback, as a Java user would wire them: the chat reply and the
 * streamed one (its pieces joined) equal transformers' greedy golden for the chat case, with finish reason LENGTH and
 * the golden's token counts in the usage (the streaming model asks for {@code include_usage}); the embeddings equal
 * Cortado's own encode within 1e-6; a wrong key is LangChain4j's AuthenticationException.
 */
class LangChain4jClientTest {

    @Test
    @SuppressWarnings("unchecked")
    void chatStreamAndEmbedThroughLangChain4j() throws Exception {
        Path chatDir = OpenAiClientInteropTest.servedGolden().resolve("tiny-chat");
        Path embedDir = Path.of(LangChain4jClientTest.class.getResource("/golden/st_mean").toURI());
        Map<String, Object> chat = OpenAiClientInteropTest.firstGreedyCase("chat");
        List<ChatMessage> messages = new ArrayList<>();
        for (Map<String, Object> m : (List<Map<String, Object>>) chat.get("messages"))
            messages.add(m.get("role").equals("system") ? SystemMessage.from((String) m.get("content"))
                    : UserMessage.from((String) m.get("content")));
        int maxTokens = ((Number) chat.get("max_tokens")).intValue();
        int goldenTokens = ((List<?>) chat.get("completion_ids")).size();
        SentenceTransformer st = SentenceTransformer.load(embedDir);
        List<String> texts = List.of("the lighthouse has 219 steps", "bicycles travel free");
        float[][] expected = st.encode(texts, 8);
        ServedModel served = ServedModel.of("tiny-chat", HfCheckpoint.load(chatDir), Tokenizers.open(chatDir), chatDir);
        try (OpenAiServer server = OpenAiServer.start(served, "st_mean", st,
                new OpenAiServer.Options("127.0.0.1", 0, "sk-lc4j", 4, 16, 1 << 20, 5, 0))) {
            String base = "http://127.0.0.1:" + server.port() + "/v1";

            ChatResponse reply = OpenAiChatModel.builder().baseUrl(base).apiKey("sk-lc4j").modelName("tiny-chat")
                    .temperature(0.0).maxCompletionTokens(maxTokens).timeout(Duration.ofSeconds(60)).maxRetries(0)
                    .build().chat(messages);
            assertThat(reply.aiMessage().text()).isEqualTo(chat.get("text"));
            assertThat(reply.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(reply.tokenUsage().outputTokenCount()).isEqualTo(goldenTokens);

            StringBuilder pieces = new StringBuilder();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            OpenAiStreamingChatModel.builder().baseUrl(base).apiKey("sk-lc4j").modelName("tiny-chat").temperature(0.0)
                    .maxCompletionTokens(maxTokens).timeout(Duration.ofSeconds(60)).build()
                    .chat(messages, new StreamingChatResponseHandler() {
                        @Override public void onPartialResponse(String piece) { pieces.append(piece); }
                        @Override public void onCompleteResponse(ChatResponse r) { done.complete(r); }
                        @Override public void onError(Throwable t) { done.completeExceptionally(t); }
                    });
            ChatResponse streamed = done.get(60, TimeUnit.SECONDS);
            assertThat(pieces.toString()).isEqualTo(chat.get("text"));
            assertThat(streamed.aiMessage().text()).isEqualTo(chat.get("text"));
            assertThat(streamed.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(streamed.tokenUsage()).as("the final usage chunk").isNotNull();
            assertThat(streamed.tokenUsage().outputTokenCount()).isEqualTo(goldenTokens);
            assertThat(streamed.tokenUsage().inputTokenCount()).isEqualTo(reply.tokenUsage().inputTokenCount());

            OpenAiEmbeddingModel embedder = OpenAiEmbeddingModel.builder().baseUrl(base).apiKey("sk-lc4j")
                    .modelName("st_mean").timeout(Duration.ofSeconds(60)).maxRetries(0).build();
            List<Embedding> vectors = embedder.embedAll(texts.stream().map(TextSegment::from).toList()).content();
            assertThat(vectors).hasSize(texts.size());
            for (int i = 0; i < texts.size(); i++) {
                float[] v = vectors.get(i).vector();
                assertThat(v).hasSize(expected[i].length);
                for (int j = 0; j < v.length; j++) assertThat(v[j]).isCloseTo(expected[i][j], within(1e-6f));
            }

            assertThatThrownBy(() -> OpenAiChatModel.builder().baseUrl(base).apiKey("wrong").modelName("tiny-chat")
                    .maxRetries(0).build().chat(messages)).isInstanceOf(AuthenticationException.class)
                    .hasMessageContaining("invalid_api_key");
        }
    }
}
