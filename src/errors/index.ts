export {
  AppError,
  describeValue,
  type ErrorCode,
  failedPrecondition,
  invalidArgument,
  isAppError,
  notFound,
  prefixFieldError,
  withFieldPrefix,
} from './app-error.js';
