// JPEG XL through libjxl, which also turns the image upright by its own orientation field.
#include <jxl/decode.h>
#include <jxl/decode_cxx.h>

#include "base/error.h"
#include "inference/formats/decoders.h"
#include "inference/formats/pixels.h"

namespace beetroot {
namespace {

[[noreturn]] void failed(const char* what) { throw Error(ErrorKind::InvalidImageFormat, std::string("cannot decode jxl: ") + what); }

JxlDecoderPtr start(std::string_view bytes, int events) {
  JxlDecoderPtr decoder = JxlDecoderMake(nullptr);
  if (!decoder) throw Error(ErrorKind::Internal, "libjxl cannot start");
  if (JxlDecoderSubscribeEvents(decoder.get(), events) != JXL_DEC_SUCCESS ||
      JxlDecoderSetInput(decoder.get(), reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) != JXL_DEC_SUCCESS)
    failed("decoder refused the input");
  JxlDecoderCloseInput(decoder.get());
  return decoder;
}

JxlBasicInfo basic_info(JxlDecoder* decoder) {
  JxlBasicInfo info;
  if (JxlDecoderGetBasicInfo(decoder, &info) != JXL_DEC_SUCCESS) failed("no header");
  return info;
}

}  // namespace

bool looks_like_jxl(std::string_view bytes) {
  const auto signature = JxlSignatureCheck(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return signature == JXL_SIG_CODESTREAM || signature == JXL_SIG_CONTAINER;
}

ImageInfo probe_jxl(std::string_view bytes) {
  const JxlDecoderPtr decoder = start(bytes, JXL_DEC_BASIC_INFO);
  for (;;) {
    const JxlDecoderStatus status = JxlDecoderProcessInput(decoder.get());
    if (status == JXL_DEC_BASIC_INFO) {
      const JxlBasicInfo info = basic_info(decoder.get());
      return {"jxl", static_cast<int>(info.xsize), static_cast<int>(info.ysize)};
    }
    if (status == JXL_DEC_ERROR) failed("corrupt header");
    if (status == JXL_DEC_NEED_MORE_INPUT || status == JXL_DEC_SUCCESS) failed("truncated header");
  }
}

cv::Mat decode_jxl(std::string_view bytes, int reduction) {
  const JxlDecoderPtr decoder = start(bytes, JXL_DEC_BASIC_INFO | JXL_DEC_FULL_IMAGE);
  const JxlPixelFormat format{3, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  cv::Mat rgb;
  for (;;) {
    switch (JxlDecoderProcessInput(decoder.get())) {
      case JXL_DEC_BASIC_INFO: {
        const JxlBasicInfo info = basic_info(decoder.get());
        const bool turned = info.orientation >= JXL_ORIENT_TRANSPOSE;  // 5-8 swap width and height
        rgb.create(static_cast<int>(turned ? info.xsize : info.ysize), static_cast<int>(turned ? info.ysize : info.xsize), CV_8UC3);
        break;
      }
      case JXL_DEC_NEED_IMAGE_OUT_BUFFER: {
        size_t size = 0;
        if (JxlDecoderImageOutBufferSize(decoder.get(), &format, &size) != JXL_DEC_SUCCESS || size != rgb.total() * 3)
          failed("unexpected output size");
        if (JxlDecoderSetImageOutBuffer(decoder.get(), &format, rgb.data, size) != JXL_DEC_SUCCESS) failed("output refused");
        break;
      }
      case JXL_DEC_FULL_IMAGE: return reduced(rgb, reduction);
      case JXL_DEC_ERROR: failed("corrupt data");
      case JXL_DEC_NEED_MORE_INPUT: failed("truncated data");
      case JXL_DEC_SUCCESS: failed("no image");
      default: break;
    }
  }
}

}  // namespace beetroot
