/**
 * The subset of OpenAI chat-completions message shapes Parley sends. Declared here (rather than
 * imported) to keep the conversation layer free of SDK types; they are structurally assignable to
 * `ChatCompletionMessageParam` from 'openai/resources/chat/completions' (checked in the tests).
 */

/** A plain text part of a user message. */
export interface TextPart {
  type: 'text';
  text: string;
}

/** A recording attached to a user message, base64-encoded. */
export interface InputAudioPart {
  type: 'input_audio';
  input_audio: { data: string; format: 'wav' | 'mp3' };
}

/** The persona. */
export interface SystemMessage {
  role: 'system';
  content: string;
}

/** Something a person said or wrote. */
export interface UserMessage {
  role: 'user';
  content: (TextPart | InputAudioPart)[];
}

/** A previous answer, referenced by OpenAI audio id while the server still keeps it. */
export interface AssistantAudioMessage {
  role: 'assistant';
  audio: { id: string };
}

/** A previous answer as text (audio expired, interrupted, or fallback after a 400). */
export interface AssistantTextMessage {
  role: 'assistant';
  content: string;
}

/** One entry of the `messages` array of a chat-completions request. */
export type ChatMessage = SystemMessage | UserMessage | AssistantAudioMessage | AssistantTextMessage;
